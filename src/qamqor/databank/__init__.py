"""The Republican data bank of orphans, children left without parental care and persons wishing to
take children into their families (`004_b3169fa141ba7fa6.txt` row 9 item 1): placements, carers'
training certificates, the fully automated guardianship certificate and the relatives' duty."""
