"""The pure domain model of amicable: standard library only, no I/O, no wall clock."""
