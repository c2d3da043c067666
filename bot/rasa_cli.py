"""Rasa's command line (`python -m bot.rasa_cli run ...`), with skops imported first.

skops 0.9.0, which Rasa 3.6 pins for its LogisticRegressionClassifier, builds
its list of trusted types at import time by looking for each numpy and scipy
type in every loaded module. After Rasa has imported TensorFlow that scan
takes about 3 s; before it, under 1 s. Importing skops first cuts about 2 s
from the server's start and from training (benchmarks/NOTES.md).
"""
import skops.io  # noqa: F401  (imported only for the start-up time, see above)
from rasa.__main__ import main

if __name__ == "__main__":
    main()
