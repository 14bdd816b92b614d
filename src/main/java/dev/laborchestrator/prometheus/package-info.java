/** Prometheus's HTTP API, only what the alert gate needs: an instant query of {@code ALERTS}. */
package dev.laborchestrator.prometheus;
