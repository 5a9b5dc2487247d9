-- The claim that wrote each dead letter (its fencing token; attempt numbers repeat when a claim is
-- given back). A publish that does write the partition makes the dead letters earlier claims wrote
-- for the positions it covers void: what an attempt rejected at a publish that never committed
-- (a row a constraint of the target refused then) must not stay listed, nor be replayed.
ALTER TABLE dead_letter ADD COLUMN fence bigint;
