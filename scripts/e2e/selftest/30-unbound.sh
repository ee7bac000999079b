# Expands an unset variable under set -u: the check ends there, and that is a failure of its own.
echo "$no_such_variable"
pass "unbound/after-error"
