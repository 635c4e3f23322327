-- The audit log: an append-only RFC 9162 Merkle tree with one leaf per accepted event (the
-- canonical receipt payload: digests, no personal data), leaf_index = position - 1.

-- Every complete subtree, kept as it completes: (0, i) is leaf i's hash, (l, i) covers leaves
-- [i * 2^l, (i + 1) * 2^l). A proof is a few lookups here, never a rebuild.
CREATE TABLE audit_nodes (
    level      smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
    node_index bigint   NOT NULL CHECK (node_index >= 0),
    hash       bytea    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
);
CREATE TRIGGER audit_nodes_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_nodes
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER audit_nodes_no_truncate BEFORE TRUNCATE ON audit_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Signed tree heads, all kept: consistency with every earlier head can be re-checked.
CREATE TABLE audit_tree_heads (
    tree_size    bigint PRIMARY KEY CHECK (tree_size >= 0),
    timestamp_ms bigint NOT NULL,
    root_hash    bytea  NOT NULL CHECK (length(root_hash) = 32),
    signature    text   NOT NULL  -- the hub's compact JWS over the head
);
CREATE TRIGGER audit_tree_heads_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_tree_heads
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

-- Witnesses' cosignatures of the heads they checked for consistency.
CREATE TABLE audit_cosignatures (
    tree_size    bigint      NOT NULL REFERENCES audit_tree_heads,
    witness      text        NOT NULL REFERENCES participants,
    kid          text        NOT NULL,
    cosigned_at  bigint      NOT NULL,  -- seconds since the epoch, as the witness signed it
    signature    bytea       NOT NULL CHECK (length(signature) = 64),
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tree_size, witness)
);

-- Events accepted before the log existed become its first leaves: each leaf is the payload its
-- receipt signed (base64url, the middle part of the JWS).
INSERT INTO audit_nodes (level, node_index, hash)
SELECT 0, position - 1, sha256('\x00'::bytea || decode(
    rpad(translate(payload, '-_', '+/'), ((length(payload) + 3) / 4) * 4, '='), 'base64'))
FROM (SELECT position, split_part(receipt, '.', 2) AS payload FROM events) AS e;

DO $$
DECLARE
    lvl   smallint := 0;
    added bigint;
BEGIN
    LOOP
        INSERT INTO audit_nodes (level, node_index, hash)
        SELECT lvl + 1, l.node_index / 2, sha256('\x01'::bytea || l.hash || r.hash)
        FROM audit_nodes AS l
        JOIN audit_nodes AS r ON r.level = lvl AND r.node_index = l.node_index + 1
        WHERE l.level = lvl AND l.node_index % 2 = 0;
        GET DIAGNOSTICS added = ROW_COUNT;
        EXIT WHEN added = 0;
        lvl := lvl + 1;
    END LOOP;
END
$$;
