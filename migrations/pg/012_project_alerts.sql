-- 012: placeholder on this branch only: the project-alert tables' PostgreSQL twin is written by the
-- outbox helper (h11); at merge, take theirs. It keeps the numbering contiguous so 013 applies.
SELECT 1;
