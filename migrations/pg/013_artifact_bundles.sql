-- 013 (PostgreSQL): placeholder so that 014 keeps SQLite's number; the artifact-bundle twin replaces this file at the merge.
SELECT 1;
