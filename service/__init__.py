"""vanban: official documents of a provincial political school, filled, converted, numbered, signed, archived."""
