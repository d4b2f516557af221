"""The wizard's steps: one screen a stage, their base classes and the views they share."""
