-- 009 (PostgreSQL): nothing to do. SQLite's search gained the file here; error_search (004) holds it already.
SELECT 1;
