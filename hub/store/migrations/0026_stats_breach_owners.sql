-- A breach is charged to its deadline's owner: `breached_deadlines` now counts the platform's and
-- its merchants' deadlines alone, `bureau_breached_deadlines` the bureau's and the mediator's.
ALTER TABLE stats_rollup ADD COLUMN bureau_breached_deadlines bigint NOT NULL DEFAULT 0;

-- Every cell counted before mixed the two: the rollup is counted again from the feed's start,
-- each case by its current state, as on a new hub.
TRUNCATE stats_rollup, stats_cases;
UPDATE stats_cursor SET position = 0;
