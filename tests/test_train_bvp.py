"""Training in continuous layers (dalearn.continuous._train) and the many-minima tools
(dalearn.network._starts)."""
import numpy as np
import pytest

from dalearn.continuous import NeuralODE, ode_twin, train_ode_adjoint, train_ode_bvp
from dalearn.annealing import binomial_interval
from dalearn.network import StartsComparison, minima_problem, starting_weights, train_adam


@pytest.fixture(scope="module")
def twin():
    return ode_twin(K_train=5, seed=0)


def test_adjoint_gradient_matches_finite_differences(twin):
    th = twin.random_weights(1, seed=3)[0]
    _, g = twin.loss_grad(th, rtol=1e-11)
    e = 1e-6
    fd = [(twin.loss(th + e * np.eye(6)[i]) - twin.loss(th - e * np.eye(6)[i])) / (2 * e)
          for i in range(6)]
    assert np.allclose(g, fd, rtol=1e-5, atol=1e-6 * np.abs(g).max())


@pytest.fixture(scope="module")
def trained(twin):
    th0 = twin.random_weights(2, seed=1)[1]
    return th0, train_ode_bvp(twin, th0, [np.inf]), train_ode_adjoint(twin, th0)


def test_bvp_weights_are_a_stationary_point_of_the_training_loss(twin, trained):
    th0, bv, ad = trained
    assert bv.success
    g0 = np.abs(twin.loss_grad(th0, rtol=1e-11)[1]).max()
    g = np.abs(twin.loss_grad(bv.theta[-1], rtol=1e-11)[1]).max()
    assert g < 1e-6 * g0                    # the gradient vanishes to the solvers' tolerance
    assert abs(bv.loss[-1] / ad.loss - 1) < 1e-5
    assert np.abs(bv.theta[-1] - ad.theta).max() < 1e-4


def test_bvp_momentum_is_minus_the_adjoint(twin, trained):
    _, bv, _ = trained
    t = np.linspace(0, twin.T, 9)
    x, pi = bv.at(0, t)
    _, _, xa, lam = twin.model.loss_grad(bv.theta[-1], twin.U_train, twin.V_train, twin.T,
                                         twin.sigma, rtol=1e-11, atol=1e-13, t_eval=t)
    assert np.abs(x - xa).max() < 1e-5
    assert np.abs(pi + lam).max() < 1e-4 * np.abs(lam).max()


def test_finite_Rf_tends_to_backprop(twin, trained):
    th0, bv, ad = trained
    r = train_ode_bvp(twin, th0, [1e3, 1e4, 1e5])
    assert r.success
    gaps = np.abs(r.loss - ad.loss)
    assert gaps[0] > gaps[1] > gaps[2]       # the weak-constraint weights approach backprop's


def test_bvp_bad_input_is_named(twin):
    th0 = np.zeros(6)
    with pytest.raises(ValueError, match="Rf_values"):
        train_ode_bvp(twin, th0, [1e3, 1e2])
    with pytest.raises(ValueError, match="theta"):
        train_ode_bvp(twin, np.zeros(5), [np.inf])
    with pytest.raises(ValueError, match="weights"):
        train_ode_bvp(twin, th0, [np.inf], weights="free")
    with pytest.raises(ValueError, match="D"):
        NeuralODE(0)


def test_adam_lowers_the_loss_and_starts_match_backprop_draws():
    _, pb = minima_problem(K=10)
    th0 = starting_weights(pb, 2, seed=1)
    rng = np.random.default_rng(1)
    s = pb.weight_scale / np.sqrt(pb.D)
    assert np.array_equal(th0[0], rng.uniform(-s, s, pb.net.n_weights))
    l0 = pb.strong_loss_grad(th0[0])[0]
    _, l1 = train_adam(pb, th0[0], steps=300, lr=0.01)
    assert l1 < 0.5 * l0


def test_comparison_table_counts_and_intervals():
    c = StartsComparison({"a": np.array([1.0, 1.0005, 2.0, 1.0]),
                          "b": np.array([3.0, 2.0, 1.5, 4.0])},
                         {"a": np.ones(4), "b": np.ones(4)}, np.zeros((4, 2)))
    t = c.table()
    assert t["a"]["reached"] == 3 and t["b"]["reached"] == 0
    assert t["a"]["interval"] == list(binomial_interval(3, 4))


def test_stored_many_minima_result_loads_with_its_starts_and_table(tmp_path):
    import json
    from dalearn.network import load_comparison
    c, rec = load_comparison()
    assert c.n == rec["starts"] and set(c.loss) == set(rec["loss"])
    _, pb = minima_problem(seed=rec["twin_seed"])
    assert np.array_equal(c.theta0[:2], starting_weights(pb, 2, seed=rec["seed_starts"]))
    for m, row in c.table(rtol=rec["reached_rtol"]).items():   # the table as written
        assert row["reached"] == rec["table"][m]["reached"]
        assert np.allclose(row["interval"], rec["table"][m]["interval"])
    with pytest.raises(FileNotFoundError, match="path"):
        load_comparison(tmp_path / "none.json")


def test_digits_load_offline_with_their_classes():
    from dalearn.network import load_digits
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))
    assert np.array_equal(np.unique(y), np.arange(10)) and np.bincount(y).min() >= 174


def test_digits_problem_projects_on_training_components():
    from dalearn.network import digits_problem
    c = digits_problem(n_components=4, n_train_per_class=5)
    assert c.problem.D == 14 and c.problem.K == 50 and len(c.labels_test) == 1797 - 50
    with pytest.raises(ValueError, match="n_components"):
        digits_problem(n_components=65)


def test_cli_trains_digits_by_backprop(tmp_path):
    import json
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "dalearn", "train", "--data", "digits",
                        "--method", "backprop", "--json", "--out", str(tmp_path / "d.npz")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["test_accuracy"][0] >= 0.90 and s["wall_s"] > 0


def test_layer_weights_flow_reproduces_the_bvp_paths_and_its_constant_limit(twin, trained):
    from dalearn.continuous import layer_weights_flow, layer_weights_heldout_error
    th0, bv, _ = trained
    s = train_ode_bvp(twin, th0, [1e2, 1e3, 1e4, np.inf], weights="smooth", Rw=1e3, tol=1e-4)
    assert s.success
    x, _, _, _ = s.at(-1, [twin.T])
    # at R_f = inf the BVP's paths are the W(t) network's forward pass (to collocation tol)
    assert np.abs(layer_weights_flow(twin, s, twin.U_train) - x[..., 0]).max() < 1e-4
    # large R_w: nearly constant weights, so the held-out error is the constant weights'
    h_const = twin.heldout_error(bv.theta[-1])
    assert abs(layer_weights_heldout_error(twin, s) / h_const - 1) < 1e-2
    with pytest.raises(ValueError, match="training"):
        layer_weights_flow(twin, bv, twin.U_train)


def test_compare_starts_records_how_each_run_ended():
    from dalearn.network import compare_starts
    _, pb = minima_problem(K=10)
    c = compare_starts(pb, 2, seed=1, methods=("lbfgs", "adam"), maxiter=3,
                       adam_kw={"steps": 5})
    th0 = starting_weights(pb, 2, seed=1)
    assert np.all(c.info["lbfgs"]["status"] == 1)          # 3 iterations: the limit
    assert np.all(c.info["adam"]["status"] == -1)
    for m in ("lbfgs", "adam"):
        assert np.all(c.info[m]["max_grad"] > 0)
        assert np.all((c.info[m]["saturated"] >= 0) & (c.info[m]["saturated"] <= 1))
    # a few steps from U(±1/√3) weights: max |θ| stays near the start's
    assert np.all(np.abs(c.info["lbfgs"]["max_theta"] - np.abs(th0).max(axis=1)) < 1.0)
    assert np.all(c.info["lbfgs"]["max_theta"] > 0)
