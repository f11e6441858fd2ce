"""Models as scikit-learn users export them: a neural network (MLPClassifier), whose skl2onnx graph
reads its label through ArgMax, ArrayFeatureExtractor and a Cast to int64. The proven label and
probabilities are checked against scikit-learn's own prediction."""

import numpy as np
import pytest

import zkinfer

skl2onnx = pytest.importorskip("skl2onnx")
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_mlp_classifier_proves_what_sklearn_predicts(tmp_path):
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=400, random_state=0).fit(X[:1500], y[:1500])
    onx = skl2onnx.to_onnx(clf, X[:1], options={"zipmap": False}, target_opset={"": 13, "ai.onnx.ml": 3})
    model = tmp_path / "mlp.onnx"
    model.write_bytes(onx.SerializeToString())
    prover = zkinfer.Prover(model, calibration=X[:64], insecure_dev_srs=True)
    probabilities = clf.predict_proba(X[1500:])
    sure = np.flatnonzero(probabilities.max(axis=1) >= 0.9)[:2]
    for i in sure:
        proof = prover.prove(X[1500 + i])
        label, proven = proof.outputs
        assert int(label.ravel()[0]) == int(clf.predict(X[1500 + i : 1501 + i])[0])
        np.testing.assert_allclose(proven.ravel(), probabilities[i], atol=0.02)
        prover.verify(proof)
