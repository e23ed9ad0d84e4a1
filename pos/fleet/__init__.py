"""The fleet: many tills, one back office (README, "Fleet").

Tills send their journals to a NATS JetStream hub (till_sync, outbox) and take the shop's
price list from it (prices); the back office (consumer, central) keeps every journal in
PostgreSQL, checks each till's hash chain, and answers the central reports (figures).
Nothing here is imported unless [sync] or the `pos backoffice` command asks for it.
"""
