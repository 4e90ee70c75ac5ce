module example.com/cacheapp

go 1.25.0

require (
	example.com/local v0.0.0
	golang.org/x/sync v0.19.0
)

replace example.com/local => ../local
