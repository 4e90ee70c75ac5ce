module example.com/cacheapp

go 1.25.0

require (
	example.com/local v0.0.0
	example.com/workers v1.0.0
)

replace example.com/local => ../local
