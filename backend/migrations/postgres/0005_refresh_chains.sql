-- Reusing a rotated token revokes its descendants by following `successor` links from it, and
-- the hourly purge walks the table in key order, so a refresh no longer writes the family
-- column or the indexes on family, successor and expires_at.
DROP INDEX token_blacklist_family;
DROP INDEX token_blacklist_successor;
DROP INDEX token_blacklist_expires_at;
ALTER TABLE token_blacklist DROP COLUMN family;
