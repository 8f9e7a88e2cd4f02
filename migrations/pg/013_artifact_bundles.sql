-- 013 (PostgreSQL): placeholder on the triage branch (h13) so that 015 keeps its number; the
-- outbox/alerts (h11) and artifact (h12) branches bring the real file: take theirs at merge.
SELECT 1;
