// Package deploy holds no code of the service: it is the folder of what
// operators deploy with (the image script, alert rules, the Grafana
// dashboard, the systemd unit, the compose file, a PgBouncer example), and
// its tests check those files against the real binary and the real tools
// (podman, promtool, systemd-analyze), skipping with a message where a tool
// is missing.
package deploy
