/*
 * calendar: the set of trading days of an exchange, built from the days
 * that have price bars (the replay) or from rules (live). News published
 * on a day the market is closed counts toward the next trading day.
 * The struct is owned by the caller: calendar_init, calendar_add any
 * number of days in any order, calendar_finish, then query;
 * calendar_release frees.
 */
#ifndef STONKS_CALENDAR_H
#define STONKS_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

typedef struct calendar {
    int32_t *days; /* sorted, unique after calendar_finish */
    size_t n;
    size_t cap;
} calendar;

void calendar_init(calendar *c);
void calendar_release(calendar *c);
void calendar_add(calendar *c, int32_t day);

/* Sorts and removes duplicates. Must be called before any query. */
void calendar_finish(calendar *c);

/* 1 when day is a trading day, else 0. */
int calendar_is_trading(const calendar *c, int32_t day);

/* The trading day that news dated `day` counts toward: day itself when
 * it is a trading day, else the next one. Returns -1 when there is no
 * trading day on or after day. */
int32_t calendar_session_for(const calendar *c, int32_t day);

/* The last trading day strictly before day, or -1. */
int32_t calendar_prev(const calendar *c, int32_t day);

/* Trading days d with from <= d <= to, in order, written to out (up to
 * max). Returns how many there are in all (may exceed max). */
size_t calendar_range(const calendar *c, int32_t from, int32_t to, int32_t *out,
                      size_t max);

#endif
