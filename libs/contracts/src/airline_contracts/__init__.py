"""The airline services' wire contracts: handler stubs and the types they exchange."""
