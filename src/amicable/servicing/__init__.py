"""Pure plan servicing: installment plans and their states, promises to pay (kept / partially kept
/ broken), payment allocation order and bank-statement matching. No I/O, no wall clock."""
