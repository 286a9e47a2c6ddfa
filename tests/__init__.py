"""The test suite: one package, so helpers import as ``tests.support`` with nothing put on the path."""
