"""Storage ports (abstract) and their two adapter sets: AWS (DynamoDB/S3) and embedded
(SQLite/folder). Services depend on the ports only."""
