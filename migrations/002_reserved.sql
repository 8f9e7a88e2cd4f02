-- 002: intentionally empty on the Sentry branch; the number belongs to a branch merged before it (delete at merge).
SELECT 1;
