-- One partition's range of offsets [{low}, {high}) in applied.sql.
(platform = {partition:String} AND post_id >= {low:String} AND post_id < {high:String})
