"""Pure policy engine: the finance-owned policy table, offer spaces, the offer gate, offer
optimisation, installment schedules, fees and interest. No I/O, no wall clock."""
