-- A link that takes back an e-mail change: sent to the address that was replaced, with that
-- address recorded beside the link's digest, so that it restores it whatever came after.
ALTER TABLE link_tokens ADD COLUMN previous_email TEXT;
