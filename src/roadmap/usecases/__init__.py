"""Use cases: the only way anything changes. Async, permission-checked, journaled."""
