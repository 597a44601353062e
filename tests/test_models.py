import numpy as np
import pytest

from dalearn.models import CustomModel, Lorenz63, Lorenz96, get_model


def fd_jac(f, x, eps=1e-6):
    return np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)], -1)


MODELS = [Lorenz96(4), Lorenz96(5), Lorenz96(20, nu=7.0), Lorenz63()]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.name}-D{m.D}")
def test_jacobians_match_finite_differences(model):
    rng = np.random.default_rng(1)
    x = rng.normal(0, 3, model.D)
    p = model.default_params
    J = model.jac(x, p)
    np.testing.assert_allclose(J, fd_jac(lambda y: model.rhs(y, p), x), atol=1e-7)
    Jp = model.jac_p(x, p)
    Jp_fd = fd_jac(lambda q: model.rhs(x, q), p)
    np.testing.assert_allclose(Jp, Jp_fd, atol=1e-7)
    v, w = rng.normal(size=model.D), rng.normal(size=model.D)
    np.testing.assert_allclose(model.jvp(x, p, v), J @ v, atol=1e-12)
    np.testing.assert_allclose(model.vjp(x, p, w), J.T @ w, atol=1e-12)


def test_models_vectorise_over_leading_axes():
    m = Lorenz96(6)
    X = np.random.default_rng(0).normal(size=(3, 7, 6))
    p = m.default_params
    np.testing.assert_allclose(m.rhs(X, p)[1, 2], m.rhs(X[1, 2], p))
    np.testing.assert_allclose(m.jac(X, p)[2, 4], m.jac(X[2, 4], p))
    np.testing.assert_allclose(m.vjp(X, p, X)[0, 1], m.jac(X[0, 1], p).T @ X[0, 1])


def test_lorenz96_constant_forcing_is_a_fixed_point():
    m = Lorenz96(10, nu=8.17)
    np.testing.assert_allclose(m.rhs(np.full(10, 8.17), m.default_params), 0.0, atol=1e-12)


def rhs_l63(x, p):
    return Lorenz63().rhs(x, p)


def test_custom_model_fallback_is_labelled_and_correct():
    with pytest.warns(UserWarning, match="finite differences"):
        m = CustomModel(rhs_l63, D=3, params={"sigma": 10, "rho": 28, "beta": 8 / 3})
    ref = Lorenz63()
    x = np.array([1.0, -2.0, 20.0])
    np.testing.assert_allclose(m.jac(x, m.default_params), ref.jac(x, ref.default_params), atol=1e-5)
    np.testing.assert_allclose(m.jac_p(x, m.default_params), ref.jac_p(x, ref.default_params),
                               atol=1e-5)


def test_get_model_rejects_unknown_names_and_bad_D():
    with pytest.raises(ValueError, match="model must be one of"):
        get_model("lorenz84")
    with pytest.raises(ValueError, match="D must be >= 4"):
        Lorenz96(3)
    with pytest.raises(TypeError, match="D must be an integer"):
        Lorenz96(5.5)
