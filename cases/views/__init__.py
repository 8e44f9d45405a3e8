"""The case pages, one module per part of a case as in services/: find the case through its owner
(`common.case_for`), call a form and a service, render or redirect."""
