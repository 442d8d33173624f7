"""Who works where: eligibility, the split into parts, the model and its rules,
the solvers (HiGHS, CBC), the greedy start and the polish."""
