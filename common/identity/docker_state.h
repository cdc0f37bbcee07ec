/* Names from Docker's own state: /var/lib/docker/containers/ID/config.v2.json
 * (under the root prefix), whose "Name" is "/NAME" and whose Config.Labels
 * carry the io.kubernetes.* labels when the kubelet runs Docker through
 * dockershim or cri-dockerd. */
#ifndef SOCKLENS_IDENTITY_DOCKER_STATE_H
#define SOCKLENS_IDENTITY_DOCKER_STATE_H

#include "identity.h"
#include "paths.h"

/* 1 if the file is there and is this container's (its "ID" matches): then
 * the runtime is Docker and the names are filled where valid. 0 if there is
 * no such file or it cannot be used (damaged, another id, a bad name). */
int names_from_docker(const struct identity_paths *p, struct container_identity *id);

#endif
