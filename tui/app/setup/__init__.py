"""The setup screens: a setup action's plan shown whole, then applied step by step."""
