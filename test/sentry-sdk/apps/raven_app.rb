# The legacy Raven client (Debian's ruby-sentry-raven): base64+zlib bodies on /store/.
require 'raven'

Raven.configure do |config|
  config.dsn = ENV.fetch('SENTRY_DSN')
  config.release = 'shop@3.1.0'
  config.current_environment = 'staging'
  config.logger = Logger.new(nil)
  config.async = false
end
Raven.user_context(id: 'u-42', email: 'jane@example.com')
Raven.tags_context(feature: 'checkout')
Raven.breadcrumbs.record { |b| b.category = 'cart'; b.message = 'added item 7'; b.data = { 'password' => 'hunter2', 'item' => 7 } }

def parse_order(data)
  Integer(data['qty']) # line 16: the handled exception, raised twice from here
end

def notify(text)
  Raven.capture_message(text, level: 'warning')
end

2.times do
  begin
    parse_order('qty' => 'many')
  rescue ArgumentError => e
    Raven.capture_exception(e)
  end
end

notify('payment failed')
notify('inventory low')

Raven.capture do
  raise KeyError, 'uncaught order' # line 35: reported by the at_exit capture
end
