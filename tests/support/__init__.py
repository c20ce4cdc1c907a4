"""Test support: AWS resources from template.yaml under moto, store builders, app factories."""
