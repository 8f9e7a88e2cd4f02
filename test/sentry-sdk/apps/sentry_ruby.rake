# sentry-ruby (Debian's ruby-sentry-ruby) reporting to the service: issue 16's scenario, run by rake,
# whose integration is how sentry-ruby 5.3 reports an uncaught exception outside Rack (no at_exit hook).
require 'sentry-ruby'

Sentry.init do |config|
  config.dsn = ENV.fetch('SENTRY_DSN')
  config.release = 'shop@3.1.0'
  config.environment = 'staging'
  config.traces_sample_rate = 1.0
  config.background_worker_threads = 0 # send in line: the process ends right after
  config.logger = Logger.new(nil)
end
Sentry.set_user(id: 'u-42', email: 'jane@example.com')
Sentry.set_tags(feature: 'checkout')
Sentry.add_breadcrumb(Sentry::Breadcrumb.new(category: 'cart', message: 'added item 7', level: 'info', data: { 'password' => 'hunter2', 'item' => 7 }))

def parse_order(data)
  Integer(data['qty']) # line 18: the handled exception, raised twice from here
end

def notify(text)
  Sentry.capture_message(text, level: :warning)
end

task :default do
  Sentry.with_session_tracking do
    # A message between the two captures, as in the other apps.
    2.times do |i|
      begin
        parse_order('qty' => 'many')
      rescue ArgumentError => e
        Sentry.capture_exception(e)
      end
      notify(i.zero? ? 'payment failed' : 'inventory low')
    end
    Sentry.start_transaction(name: 'nightly-report', op: 'task').finish
  end
  # Session aggregates otherwise wait for a 60 s timer that the exit kills.
  Sentry.session_flusher.flush
  raise KeyError, 'uncaught order' # line 40: rake's integration reports it
end
