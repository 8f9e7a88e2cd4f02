// sentry-go (Debian's golang-github-getsentry-sentry-go-dev) reporting to the service: issue 16's scenario.
package main

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/getsentry/sentry-go"
)

func parseOrder(qty string) error {
	_, err := strconv.Atoi(qty)
	return err
}

func notify(text string) {
	sentry.WithScope(func(scope *sentry.Scope) {
		scope.SetLevel(sentry.LevelWarning)
		sentry.CaptureMessage(text)
	})
}

func applyDiscount(prices map[string]int) {
	prices["vip"] = 10 // line 26: a write to a nil map panics here
}

func main() {
	_ = sentry.Init(sentry.ClientOptions{Dsn: os.Getenv("SENTRY_DSN"), Release: "shop@3.1.0", Environment: "staging", TracesSampleRate: 1.0})
	sentry.ConfigureScope(func(scope *sentry.Scope) {
		scope.SetUser(sentry.User{ID: "u-42", Email: "jane@example.com"})
		scope.SetTag("feature", "checkout")
	})
	sentry.AddBreadcrumb(&sentry.Breadcrumb{Category: "cart", Message: "added item 7", Level: sentry.LevelInfo, Data: map[string]interface{}{"password": "hunter2", "item": 7}})
	defer func() {
		if err := recover(); err != nil {
			sentry.CurrentHub().Recover(err) // the app's deferred recover closure: never the crash frame
			sentry.Flush(5 * time.Second)
			os.Exit(1)
		}
	}()
	for i := 0; i < 2; i++ {
		if err := parseOrder("many"); err != nil {
			sentry.CaptureException(err) // line 45: the handled error, captured twice from here
		}
	}
	notify("payment failed")
	notify("inventory low")
	sentry.StartSpan(context.Background(), "task", sentry.TransactionName("nightly-report")).Finish() // a transaction: no group
	sentry.Flush(5 * time.Second)
	var prices map[string]int
	applyDiscount(prices)
}
