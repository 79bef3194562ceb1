/*
 * queue_conn: what the files of the queue module share beyond queue.h,
 * for queue.c (which owns the connection) and queue_dead.c. Not for
 * other modules.
 */
#ifndef STONKS_QUEUE_CONN_H
#define STONKS_QUEUE_CONN_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "lib/queue.h"

/* One command on q's connection (made when there is none); the reply,
 * or NULL with queue_error set and the connection dropped. */
redisReply *queue_command(queue_client *q, const char *what, int argc,
                          const char **argv, const size_t *lens);

/* An integer command (XLEN, LLEN...): its value, 0 for another reply,
 * -1 on a failure. */
long long queue_integer(queue_client *q, int argc, const char **argv);

/* The key of queue's dead letters ("stonks:dead:<queue>"). */
void queue_dead_key(char *out, size_t cap, const char *queue);

/* 1 while q holds a connection. queue_lost_kept: 1 when a call begun on
 * a connection kept from before (had: queue_connected then) lost it, so
 * that a read may go again once on a new one. */
int queue_connected(const queue_client *q);
int queue_lost_kept(const queue_client *q, int had);

#endif
