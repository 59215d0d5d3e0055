-- Billing with Stripe. A paid plan names its Stripe price; an organization's subscription row holds its Stripe
-- customer and subscription, the Stripe status and period, and the version of the Stripe subscription last applied
-- (its creation time and the time of the event that carried it), so that webhook events arriving out of order
-- never roll the state back. stripe_events records every event id applied, so a redelivered event is applied once.

ALTER TABLE plans ADD COLUMN stripe_price_id text NULL;
ALTER TABLE plans ADD CONSTRAINT ux_plans_stripe_price_id UNIQUE (stripe_price_id);

ALTER TABLE subscriptions
    ADD COLUMN stripe_customer_id             text        NULL,
    ADD COLUMN stripe_subscription_id         text        NULL,
    ADD COLUMN stripe_subscription_created_at timestamptz NULL,
    ADD COLUMN stripe_event_at                timestamptz NULL,
    ADD COLUMN current_period_end             timestamptz NULL,
    ADD COLUMN cancel_at_period_end           boolean     NOT NULL DEFAULT false,
    ADD COLUMN past_due_since                 timestamptz NULL,
    ADD CONSTRAINT ux_subscriptions_stripe_customer_id UNIQUE (stripe_customer_id);

CREATE TABLE stripe_events (
    id           text        NOT NULL,
    type         text        NOT NULL,
    received_at  timestamptz NOT NULL,
    CONSTRAINT pk_stripe_events PRIMARY KEY (id)
);
