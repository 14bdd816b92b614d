/**
 * Loading and validating the controller's config file and the host inventory: strict keys,
 * durations like {@code 30s} or {@code 1h30m}, and messages that name what is wrong.
 */
package dev.laborchestrator.config;
