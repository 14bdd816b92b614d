/**
 * The Nomad HTTP adapter: {@link dev.laborchestrator.port.NomadNodes} over Nomad's node API, with
 * blocking queries on {@code X-Nomad-Index} and the token in {@code X-Nomad-Token}.
 */
package dev.laborchestrator.nomad;
