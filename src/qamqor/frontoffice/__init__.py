"""The State Corporation's front office around the counter (issue 14): the electronic queue
(slots booked on the portal, walk-in tickets, the call to a window, waiting and service times against
the requirements lists' limits, the office-day figures) and home visits (`000` §13)."""
