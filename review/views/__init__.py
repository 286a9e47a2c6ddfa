"""One view module per page family; views call the store and ``changes``, never SQL."""
