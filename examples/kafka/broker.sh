#!/usr/bin/env bash
# Starts a single-node Kafka broker (KRaft: broker and controller in one process) on localhost:9092,
# from Maven artifacts: no download of a Kafka distribution, no Docker. Data in ./.broker.
# Stop it with Ctrl-C. Needs java 17+ and mvn.
set -euo pipefail
cd "$(dirname "$0")"
mvn -q -B dependency:build-classpath -Dmdep.outputFile=.classpath >/dev/null
CP="$(cat .classpath)"
mkdir -p .broker
cat > .broker/server.properties <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9093
listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$PWD/.broker/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
if [ ! -f .broker/data/meta.properties ]; then
  java -cp "$CP" kafka.tools.StorageTool format -t "$(java -cp "$CP" kafka.tools.StorageTool random-uuid)" \
    -c .broker/server.properties --standalone
fi
exec java -Xmx512m -cp "$CP" kafka.Kafka .broker/server.properties
