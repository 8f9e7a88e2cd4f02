-- 008: each occurrence keeps the rest of its event (user, tags, breadcrumbs, contexts, chain...).

-- JSON text, or deflate-compressed JSON (a BLOB) when that is much smaller: see
-- src/store/occurrence-details.ts. NULL for reports that sent nothing beyond the spec's fields.
ALTER TABLE error_occurrences ADD COLUMN details ANY;
