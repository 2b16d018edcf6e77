// Size entry: stripe calling one API method (its "browser" export condition is the worker build).
import Stripe from "stripe";

export function main() {
  const stripe = new Stripe("sk_test_bench");
  return stripe.customers.retrieve("cus_bench");
}
