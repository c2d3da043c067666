"""Building and scoring the model, never loaded by a server: the spaCy
pipeline the NLU reads (`make spacy`) and the held-out NLU evaluation shared
by the tests and `make bench`."""
