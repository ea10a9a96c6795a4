SELECT pg_advisory_unlock(%(namespace)s, hashtext(%(token)s));
