-- 006 (PostgreSQL): nothing to do. SQLite's ring moved to a rowid table here; PostgreSQL's heap
-- tables keep large rows apart (TOAST) already. Kept so that the numbering matches SQLite's.
SELECT 1;
