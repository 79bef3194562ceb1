/*
 * paper_broker: the built-in broker. It keeps its own book in the table
 * paper_broker_orders (apart from our orders, so that reconciliation
 * compares two views) and executes with the fill model of
 * domain/fill.h against the price bars in PostgreSQL: an order meant for
 * session D executes on its ticker's bar dated D, never a later one
 * (bars may arrive out of order; filling on whichever came first would
 * make a replay depend on timing). Execution happens when the order is
 * looked up, so an order whose bar has not arrived yet stays accepted.
 * When D is known to have no bar for the ticker (D's ingestion is
 * recorded in ingest_runs, or bars of five later sessions exist), the
 * day order expires unfilled. With the live scheduler D's ingestion is
 * recorded from its first tick on, long before its bar can exist: there
 * only the ingestion of a later day (which reads D again) counts, and
 * no order of D executes before D's close (a bar read during the
 * session is partial).
 *
 * A client order id it has seen is refused as a duplicate, as Alpaca
 * does, and, as the broker of a cash account, a sell of more shares than
 * its book holds less its open sells is refused as insufficient qty (a
 * short sale), and a buy whose fill costs more than the account's cash
 * does not fill. The db handle is borrowed (one thread, the broker-adapter's).
 */
#ifndef STONKS_PAPER_BROKER_H
#define STONKS_PAPER_BROKER_H

#include "adapters/broker.h"
#include "domain/fill.h"
#include "lib/db.h"

/* A paper broker on d (not owned) with the given costs; live: the
 * live scheduler ingests (see above). Free with broker_free. */
broker *paper_broker_new(db *d, const fill_params *p, int live);

#endif
