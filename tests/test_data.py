"""Tests for tinygrad_edu.data: generators, splitting, batching and CSV loading."""

import numpy as np
import pytest

from tinygrad_edu import data
from tinygrad_edu.data import DataError

GENERATORS = [
    (data.spiral, {"n_points": 50}, 100),
    (data.circles, {"n_samples": 101}, 101),
    (data.moons, {"n_samples": 101}, 101),
    (data.blobs, {"n_samples": 101}, 101),
    (data.gaussian, {"n_samples": 101}, 101),
    (data.xor, {"n_samples": 101, "noise": 0.1}, 101),
]


def _tutorial_spiral(n_points=100, noise=0.2):
    """The source tutorial's recipe, line for line, with numpy's global RNG as it used."""
    state = np.random.get_state()
    try:
        np.random.seed(42)
        theta0 = np.linspace(0, 4 * np.pi, n_points)
        r0 = np.linspace(0.5, 2, n_points)
        x0 = r0 * np.cos(theta0) + np.random.randn(n_points) * noise
        y0 = r0 * np.sin(theta0) + np.random.randn(n_points) * noise
        theta1 = np.linspace(0, 4 * np.pi, n_points)
        r1 = np.linspace(0.5, 2, n_points)
        x1 = r1 * np.cos(theta1 + np.pi) + np.random.randn(n_points) * noise
        y1 = r1 * np.sin(theta1 + np.pi) + np.random.randn(n_points) * noise
        X = np.column_stack([np.concatenate([x0, x1]), np.concatenate([y0, y1])])
        y = np.concatenate([np.zeros(n_points), np.ones(n_points)])
        idx = np.random.permutation(len(y))
        return X[idx], y[idx].reshape(-1, 1)
    finally:
        np.random.set_state(state)


@pytest.mark.parametrize("n_points,noise", [(200, 0.2), (100, 0.2), (37, 0.05)])
def test_spiral_is_the_tutorials_data_bit_for_bit(n_points, noise):
    X, y = data.spiral(n_points=n_points, noise=noise, seed=42)
    X_ref, y_ref = _tutorial_spiral(n_points, noise)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_spiral_arms_are_rotated_by_pi_without_noise():
    X, y = data.spiral(n_points=30, noise=0.0)
    arm0 = X[y[:, 0] == 0]
    arm1 = X[y[:, 0] == 1]
    # Without noise every arm-1 point is minus an arm-0 point (rotation by pi), radii 0.5..2.
    s0 = sorted(map(tuple, np.round(arm0, 12)))
    s1 = sorted(map(tuple, np.round(-arm1, 12)))
    np.testing.assert_allclose(np.array(s0), np.array(s1), atol=1e-12)
    r = np.hypot(arm0[:, 0], arm0[:, 1])
    assert r.min() == pytest.approx(0.5) and r.max() == pytest.approx(2.0)


def test_xor_default_is_the_truth_table():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [[0], [1], [1], [0]])
    assert X.dtype == np.float64 and y.dtype == np.float64
    Xi, yi = data.xor(labels="int")
    assert yi.dtype == np.int64 and yi.tolist() == [0, 1, 1, 0]


def test_xor_counts_that_are_not_a_multiple_of_four():
    # 5 rows: the corners in order, then (0,0) again; every corner and both classes present
    X, y = data.xor(n_samples=5)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1], [0, 0]])
    assert y.ravel().tolist() == [0, 1, 1, 0, 0]
    for n in (0, 1, 2, 3):   # fewer rows than corners would silently drop part of XOR
        with pytest.raises(DataError, match=rf"n_samples must be an int >= 4 \(one row per "
                           rf"corner of the XOR truth table\), got {n}"):
            data.xor(n_samples=n)


@pytest.mark.parametrize("call,match", [
    (lambda: data.blobs(n_samples=2, centers=3), "n_samples=2 is fewer than the 3 centers"),
    (lambda: data.blobs(n_samples=1, centers=np.zeros((2, 2))), "fewer than the 2 centers"),
    (lambda: data.gaussian(n_samples=1), r">= 2 \(one row per blob\), got 1"),
    (lambda: data.moons(n_samples=1), r">= 2 \(one row per class\), got 1"),
    (lambda: data.circles(n_samples=1), r">= 2 \(one row per class\), got 1"),
])
def test_too_few_rows_for_every_class_is_an_error(call, match):
    with pytest.raises(DataError, match=match):
        call()


def test_the_smallest_counts_give_every_class():
    for gen, n in ((data.blobs, 2), (data.gaussian, 2), (data.moons, 2), (data.circles, 2),
                   (data.xor, 4)):
        _, y = gen(n_samples=n)
        assert set(y.ravel().tolist()) == {0.0, 1.0}, gen.__name__
    _, y = data.blobs(n_samples=3, centers=3, labels="int")
    assert sorted(y.tolist()) == [0, 1, 2]
    _, y = data.spiral(n_points=1)
    assert sorted(y.ravel().tolist()) == [0.0, 1.0]


def test_noisy_xor_clouds_keep_their_corner_labels():
    X, y = data.xor(n_samples=400, noise=0.1, seed=3)
    target = (X[:, 0] > 0.5) != (X[:, 1] > 0.5)
    assert np.mean(target == (y[:, 0] == 1)) > 0.97      # noise rarely crosses the midline


@pytest.mark.parametrize("gen,kw,n", GENERATORS)
def test_shapes_dtypes_and_balance(gen, kw, n):
    X, y = gen(**kw)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n, 1) and y.dtype == np.float64
    assert set(np.unique(y)) == {0.0, 1.0}
    counts = np.bincount(y[:, 0].astype(int))
    assert abs(counts[0] - counts[1]) <= 1 or gen is data.xor
    Xi, yi = gen(**kw, labels="int")
    assert yi.shape == (n,) and yi.dtype == np.int64
    np.testing.assert_array_equal(yi, y[:, 0].astype(int))
    np.testing.assert_array_equal(Xi, X)


@pytest.mark.parametrize("gen,kw,n", GENERATORS)
def test_deterministic_given_a_seed_and_different_across_seeds(gen, kw, n):
    X1, y1 = gen(**kw, seed=7)
    X2, y2 = gen(**kw, seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = gen(**kw, seed=8)
    assert not np.array_equal(X1, X3)
    # A Generator is accepted and is deterministic too.
    G1, _ = gen(**kw, seed=np.random.default_rng(5))
    G2, _ = gen(**kw, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(G1, G2)


def test_rows_are_shuffled_not_sorted_by_class():
    for gen in (data.spiral, data.circles, data.moons, data.blobs):
        _, y = gen()
        assert 0 < np.abs(np.diff(y[:, 0])).sum() and y[: len(y) // 2].mean() not in (0.0, 1.0)


def test_geometry_of_circles_moons_gaussian():
    X, y = data.circles(n_samples=100, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y[:, 0] == 0], 1.0)
    np.testing.assert_allclose(r[y[:, 0] == 1], 0.3)
    X, y = data.moons(n_samples=100, noise=0.0)
    upper = X[y[:, 0] == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    lower = X[y[:, 0] == 1]
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    X, y = data.gaussian(n_samples=2000, noise=0.5)
    np.testing.assert_allclose(X[y[:, 0] == 1].mean(0), [2, 2], atol=0.1)
    np.testing.assert_allclose(X[y[:, 0] == 0].mean(0), [-2, -2], atol=0.1)


def test_blobs_with_given_centers_and_many_classes():
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X, y = data.blobs(n_samples=300, centers=centers, cluster_std=0.1, labels="int")
    assert np.bincount(y).tolist() == [100, 100, 100]
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(0), centers[k], atol=0.05)


@pytest.mark.parametrize("call,match", [
    (lambda: data.spiral(n_points=0), "n_points"),
    (lambda: data.spiral(n_points=2.5), "n_points"),
    (lambda: data.moons(noise=-1), "noise"),
    (lambda: data.circles(noise=float("nan")), "noise"),
    (lambda: data.circles(factor=1.5), "factor"),
    (lambda: data.spiral(seed="x"), "seed"),
    (lambda: data.spiral(seed=-1), "seed"),
    (lambda: data.xor(labels="onehot"), "labels"),
    (lambda: data.blobs(centers=np.zeros((3, 3))), "centers"),
])
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(DataError, match=match):
        call()


# ----------------------------------------------------------------------------- split, batches


def test_train_test_split_partitions_every_row_once():
    X, y = data.spiral(n_points=50)
    ids = np.arange(100, dtype=np.float64).reshape(-1, 1)
    Xtr, Xte, idtr, idte = data.train_test_split(X, ids, test_size=0.25, seed=1)
    assert len(Xte) == 25 and len(Xtr) == 75
    assert sorted(np.concatenate([idtr, idte])[:, 0].tolist()) == list(range(100))
    # Rows stay paired with their labels.
    np.testing.assert_array_equal(Xtr, X[idtr[:, 0].astype(int)])
    np.testing.assert_array_equal(Xte, X[idte[:, 0].astype(int)])
    again = data.train_test_split(X, ids, test_size=0.25, seed=1)
    np.testing.assert_array_equal(again[3], idte)


def test_train_test_split_count_rounding_and_no_shuffle():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0)
    _, Xte, _, _ = data.train_test_split(X, y, test_size=0.21)
    assert len(Xte) == 3                               # ceil(2.1), as sklearn rounds
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=4, shuffle=False)
    assert ytr.tolist() == [0, 1, 2, 3, 4, 5] and yte.tolist() == [6, 7, 8, 9]


@pytest.mark.parametrize("kw,match", [
    ({"test_size": 0.0}, "test_size"),
    ({"test_size": 1.0}, "test_size"),
    ({"test_size": 10}, "both sets"),
    ({"test_size": True}, "test_size"),
])
def test_train_test_split_bad_sizes(kw, match):
    with pytest.raises(DataError, match=match):
        data.train_test_split(np.zeros((10, 2)), np.zeros(10), **kw)


def test_train_test_split_length_mismatch():
    with pytest.raises(DataError, match="10 and 9"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(9))


@pytest.mark.parametrize("batch_size", [1, 7, 32, 100, 1000])
@pytest.mark.parametrize("shuffle", [True, False])
def test_batches_cover_every_row_exactly_once(batch_size, shuffle):
    X = np.arange(200.0).reshape(100, 2)
    y = np.arange(100.0).reshape(-1, 1)
    seen = []
    sizes = []
    for Xb, yb in data.batches(X, y, batch_size, shuffle=shuffle, seed=3):
        np.testing.assert_array_equal(Xb[:, 0] / 2, yb[:, 0])   # still paired
        seen.extend(yb[:, 0].tolist())
        sizes.append(len(yb))
    assert sorted(seen) == list(range(100))
    assert all(s == batch_size for s in sizes[:-1]) and 0 < sizes[-1] <= batch_size
    # Unshuffled keeps the row order; shuffled does not (a permutation of 100 rows).
    assert (seen == list(range(100))) == (not shuffle)


def test_batches_seeded_order_is_reproducible():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0)
    a = [yb.tolist() for _, yb in data.batches(X, y, 3, seed=9)]
    b = [yb.tolist() for _, yb in data.batches(X, y, 3, seed=9)]
    assert a == b


def test_batches_bad_arguments():
    with pytest.raises(DataError, match="batch_size"):
        next(data.batches(np.zeros((4, 2)), np.zeros(4), 0))
    with pytest.raises(DataError, match="4 and 3"):
        next(data.batches(np.zeros((4, 2)), np.zeros(3), 2))


# ----------------------------------------------------------------------------- CSV


def test_load_csv_with_and_without_header(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x1,x2,label\n0.5, -1.5, 0\n\n# a comment\n2e-1,3,1\n")
    X, y = data.load_csv(p)
    np.testing.assert_array_equal(X, [[0.5, -1.5], [0.2, 3.0]])
    np.testing.assert_array_equal(y, [[0.0], [1.0]])
    p.write_text("1,2,1.0\n3,4,0\n")
    X, y = data.load_csv(p, labels="int")
    assert X.shape == (2, 2) and y.tolist() == [1, 0] and y.dtype == np.int64


@pytest.mark.parametrize("text,match", [
    ("", "no data rows"),
    ("x1,x2,label\n", "no data rows"),
    ("1,2,0\n3,4\n", "line 2: expected 3 columns"),
    ("1,2,0\n3,4,0,9\n", "line 2: expected 3 columns"),
    ("x,y,l\n1,2,0\n1,abc,1\n", "line 3: 'abc' is not a number"),
    ("1,,0\n3,4,1\n", "line 1: column 2 is empty"),      # not mistaken for a header
    ("x,y,l\n1,2,0\n1,2,\n", "line 3: column 3 is empty"),
    ("1,2,0\n1,2,0.5\n", "line 2: label must be a class number"),
    ("1,2,0\n1,2,-1\n", "line 2: label must be a class number"),
    ("1,nan,0\n", "line 1: features must be finite"),
    ("1,inf,0\n", "line 1: features must be finite"),
])
def test_load_csv_bad_files_name_file_line_and_problem(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DataError, match=match) as e:
        data.load_csv(p)
    assert str(p) in str(e.value)


def test_load_csv_binary_and_missing_files(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="not a UTF-8 text file"):
        data.load_csv(p)
    with pytest.raises(FileNotFoundError):
        data.load_csv(tmp_path / "nope.csv")


def test_parse_csv_row_cap():
    text = "".join(f"{i},{i},0\n" for i in range(11))
    with pytest.raises(DataError, match="more than 10 data rows"):
        data.parse_csv(text, name="upload", max_rows=10)
    assert data.parse_csv(text, max_rows=11)[0].shape == (11, 2)


def test_load_csv_reads_the_byte_order_mark_excel_writes(tmp_path):
    # Excel's "CSV UTF-8" starts with U+FEFF: a file without a header failed with
    # "'\ufeff0.1' is not a number" on line 1
    path = tmp_path / "excel.csv"
    path.write_bytes("0.1,0.2,0\r\n0.9,0.8,1\r\n".encode("utf-8-sig"))
    X, y = data.load_csv(path)
    assert X.tolist() == [[0.1, 0.2], [0.9, 0.8]] and y.ravel().tolist() == [0.0, 1.0]
    X, y = data.parse_csv("\ufeff0.1,0.2,0\n")
    assert X.tolist() == [[0.1, 0.2]]


@pytest.mark.parametrize("call, match", [
    # the error named "noise", which blobs has no argument of that name
    (lambda: data.blobs(cluster_std=-1), r"^cluster_std must be a finite number >= 0, got -1"),
    (lambda: data.blobs(center_box=5), r"center_box must be a pair \(low, high\), got 5"),
    (lambda: data.circles(factor="a"), r"factor must be between 0 and 1"),
    (lambda: data.parse_csv("0.1,0.2,1e20\n", labels="int"), r"label must be a class number"),
])
def test_argument_errors_name_the_argument_given(call, match):
    with pytest.raises(DataError, match=match):
        call()
