module fluxrig.dev/bench/iso8583/moov

go 1.23.0

require (
	github.com/moov-io/iso8583 v0.24.0
	github.com/yerden/go-util v1.1.4
)

require golang.org/x/text v0.28.0 // indirect
